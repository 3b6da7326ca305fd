/**
 * Throwaway TLS material for integration tests, made with the `openssl` CLI:
 * a CA, a server certificate signed by it (SAN 127.0.0.1, ::1 and localhost,
 * so both host-name and IP verification pass), the same pair as a PKCS#12
 * keystore (for Kafka's JVM), and a second, unrelated CA whose trust must
 * make every client refuse the server (negative tests).
 *
 * Keys are EC P-256: generating them takes milliseconds, RSA would take
 * seconds on a small machine. Files are PEM; the private key is PKCS#8
 * (what `openssl genpkey` writes), which MariaDB, Redis and Node all read.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface TlsFiles {
  readonly dir: string;
  /** PEM of the CA that signed the server certificate. */
  readonly caFile: string;
  /** PEM of the server certificate (leaf only). */
  readonly certFile: string;
  /** PEM of the server's private key (PKCS#8, unencrypted). */
  readonly keyFile: string;
  /** PKCS#12 of key + certificate chain, protected by `keystorePassword`. */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
  /** PEM of a CA that signed nothing the servers present. */
  readonly otherCaFile: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await execFileP('openssl', [...args], { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('openssl not found: install the openssl package (scripts/install-deps.sh does)');
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

async function selfSignedCa(dir: string, name: string, cn: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], dir);
  await openssl(
    ['req', '-x509', '-new', '-key', key, '-sha256', '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', cert],
    dir,
  );
  return { key, cert };
}

/** Writes a CA, a server certificate and key, a PKCS#12 keystore and an unrelated CA into `dir`. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const ca = await selfSignedCa(dir, 'ca', 'binsnap test CA');
  const other = await selfSignedCa(dir, 'other-ca', 'binsnap unrelated test CA');
  const keyFile = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const certFile = path.join(dir, 'server.pem');
  const ext = path.join(dir, 'server.ext');
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], dir);
  await openssl(['req', '-new', '-key', keyFile, '-subj', '/CN=localhost', '-out', csr], dir);
  await writeFile(
    ext,
    ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyAgreement', 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost', ''].join('\n'),
  );
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-sha256', '-days', '2', '-extfile', ext, '-out', certFile], dir);
  const keystoreFile = path.join(dir, 'server.p12');
  const keystorePassword = 'binsnap-keystore';
  await openssl(
    ['pkcs12', '-export', '-in', certFile, '-inkey', keyFile, '-certfile', ca.cert, '-name', 'server', '-passout', `pass:${keystorePassword}`, '-out', keystoreFile],
    dir,
  );
  return { dir, caFile: ca.cert, certFile, keyFile, keystoreFile, keystorePassword, otherCaFile: other.cert };
}
