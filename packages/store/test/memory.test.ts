import { openMemoryStore } from '../src/memory/open-memory-store.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance('memory', async () => ({ store: await openMemoryStore() }));
