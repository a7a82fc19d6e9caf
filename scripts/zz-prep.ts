import { prepareDemo, buildViewerIfStale } from './start.ts';
await prepareDemo();
buildViewerIfStale();
