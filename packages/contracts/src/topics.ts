/** Every topic Backstop owns, versioned by its message contract. */
export const TopicName = {
  paymentEvents: 'payments.events.v1',
  flags: 'payments.flags.v1',
  refundCommands: 'refunds.commands.v1',
  deadLetter: 'backstop.dead-letter.v1',
} as const;
export type TopicRole = keyof typeof TopicName;

/** Tests and parallel deployments prefix every topic so they never share one. */
export function topicName(role: TopicRole, prefix = ''): string {
  return `${prefix}${TopicName[role]}`;
}
