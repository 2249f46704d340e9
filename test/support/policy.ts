/**
 * The queue policy a service needs to deliver to an SQS queue: only this service principal, only
 * sqs:SendMessage, only from this rule or topic (aws:SourceArn) — what AWS requires and the
 * emulator enforces.
 */
export const allowSendFrom = (options: {
  readonly service: 'events.amazonaws.com' | 'sns.amazonaws.com';
  readonly queueArn: string;
  readonly sourceArn: string | undefined;
}): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: options.service },
        Action: 'sqs:SendMessage',
        Resource: options.queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': options.sourceArn } },
      },
    ],
  });
