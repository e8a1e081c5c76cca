/**
 * The project's traffic, in one place. One shop (`shop/catalogue.ts`: what the platform sells,
 * the evaluation's card shop and its newcomers' shops) and one model of slips (`shop/account-typos.ts`)
 * stock two pacings of the same card platform, both seeded from `Random` (the same seed gives the
 * same traffic) and both labelling every planted mistake with the flags it should raise:
 * - `TrafficGenerator` plays the platform live, event after event (the simulator, the invariant
 *   and fault tests, the benches): realistic payers, each kind of mistake at a chosen share,
 *   retries and deliveries;
 * - `generateTraffic` writes two weeks of each payer's history for the detector's evaluation,
 *   with the hard negatives that look like mistakes but are not.
 * `WebhookClient` signs and sends events the way a platform does. `./file-seed` gives a test
 * file its seed and says it beside any failure.
 */
export { freshSeed, Random } from './random';
export {
  DEFAULT_MIX, MISTAKES, parseMistakes, TrafficGenerator,
  type Generated, type Mistake, type SentKind, type TrafficMix, type TrafficOptions,
} from './platform/traffic';
export { CATALOGUES, type CatalogueLanguage } from './shop/catalogue';
export { WebhookClient, type ClientOptions, type Delivery } from './platform/client';
export { generateTraffic, type Cohort, type HardNegative, type LabelledEvent, type LabelledTrafficOptions } from './labelled/traffic';
export { forEachKey } from '@backstop/redis';
export { createDatabaseSlice, createSlice, type Endpoints, type Slice, type SliceOptions } from './slice';
export { eventMessages, groupCaughtUp, ingested, publishEvents, publishFlags, publishGenerated } from './kafka';
export { readTopic, type ReadMessage } from './topic-reader';
export { examplePaymentData } from './example-payment';
