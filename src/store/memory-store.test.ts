import { describeSnapshotStoreContract } from './contract.test-util.js';
import { MemoryStore } from './memory-store.js';

describeSnapshotStoreContract('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
