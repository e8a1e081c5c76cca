/**
 * The project's traffic, in one place:
 * - `TrafficGenerator` plays a card platform as a stream (the simulator, the invariant and
 *   fault tests, the benches): realistic payers, each kind of mistake at a chosen share, retries
 *   and deliveries, every planted mistake named;
 * - `generateTraffic` writes a labelled timeline for the detector's evaluation: mistakes with the
 *   flags they should raise, and the hard negatives that look like mistakes but are not;
 * - `WebhookClient` signs and sends events the way a platform does.
 * Both generators are seeded from `Random`: the same seed gives the same traffic.
 */
export { freshSeed, Random } from './random';
export {
  CATALOGUES, DEFAULT_MIX, MISTAKES, parseMistakes, TrafficGenerator,
  type CatalogueLanguage, type Generated, type Mistake, type SentKind, type TrafficMix, type TrafficOptions,
} from './platform/traffic';
export { WebhookClient, type ClientOptions, type Delivery } from './platform/client';
export { generateTraffic, type Cohort, type HardNegative, type LabelledEvent, type LabelledTrafficOptions } from './labelled/traffic';
export { forEachKey } from '@backstop/redis';
export { createDatabaseSlice, createSlice, type Endpoints, type Slice, type SliceOptions } from './slice';
export { eventMessages, groupCaughtUp, publishEvents, publishFlags } from './kafka';
export { readTopic, type ReadMessage } from './topic-reader';
export { examplePaymentData } from './example-payment';
