/** A resource as the Resource Groups Tagging API sees it. */
export interface TaggedResource {
  readonly arn: string;
  /** `service` or `service:type`, as in ResourceTypeFilters: `sqs`, `events:rule`, `sns`, ... */
  readonly resourceType: string;
  readonly tags: Readonly<Record<string, string>>;
}
