import { describe, expect, it } from 'vitest';
import { redactSecrets, redactText } from './redact.js';

describe('redactText', () => {
  it('masks the password of every URL and keeps the rest', () => {
    expect(redactText('connect mysql://repl:s3cr%40t@db1:3306/x?ssl=required then redis://:pw@r:6379/0')).toBe(
      'connect mysql://repl:***@db1:3306/x?ssl=required then redis://:***@r:6379/0',
    );
  });
  it('leaves URLs without a password alone', () => {
    expect(redactText('mysql://root@db:3306 and kafka://k1:9092,k2:9092')).toBe('mysql://root@db:3306 and kafka://k1:9092,k2:9092');
  });
});

describe('redactSecrets', () => {
  it('masks fields named like secrets, deeply, and URL passwords in any string', () => {
    const input = {
      source: 'mysql://u:hunter2@h:3306',
      sink: { saslPassword: 'x', params: { password: 'y', topicPrefix: 'p' } },
      list: ['rediss://a:b@c:1/0'],
      n: 3,
    };
    const out = redactSecrets(input);
    expect(out).toEqual({
      source: 'mysql://u:***@h:3306',
      sink: { saslPassword: '***', params: { password: '***', topicPrefix: 'p' } },
      list: ['rediss://a:***@c:1/0'],
      n: 3,
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|"x"|"y"|:b@/);
    expect(input.source).toBe('mysql://u:hunter2@h:3306'); // the input is not changed
  });
});

describe('redactText: secret query parameters', () => {
  it('masks ?password= and other secret-named parameters of a URL, keeping the rest', () => {
    expect(redactText('kafka://b1:9092,b2:9092?topicPrefix=shop&username=app&password=s3cr%26t&mechanism=plain')).toBe(
      'kafka://b1:9092,b2:9092?topicPrefix=shop&username=app&password=***&mechanism=plain',
    );
    expect(redactText('redis://h:6379/0?sasl-password=x&api_key=y')).toBe('redis://h:6379/0?sasl-password=***&api_key=***');
    expect(redactText('no url ?password=x')).toBe('no url ?password=x');
  });
});
