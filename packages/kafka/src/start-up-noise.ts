/**
 * What a broker answers for a few seconds after it starts, while it creates and loads its
 * internal topics: KafkaJS retries each of these by itself, and they need nobody's attention.
 */
const STARTING_UP = [
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server does not host this topic-partition',
];

/** The start-up condition a KafkaJS log entry reports, if it reports one. */
export function startUpCondition(message: string, fields: Record<string, unknown>): string | undefined {
  const error = typeof fields.error === 'string' ? fields.error : '';
  const text = `${message} ${error}`;
  return STARTING_UP.find((condition) => text.includes(condition));
}

/**
 * Says each start-up condition once per client at `info`, calmly; its retries then go to
 * `debug`. A condition that outlasts start-up still shows in the client's own failure, which
 * is logged as an error by whoever awaited it.
 */
export class StartUpNoise {
  private readonly said = new Set<string>();

  firstTime(condition: string): boolean {
    if (this.said.has(condition)) return false;
    this.said.add(condition);
    return true;
  }
}
