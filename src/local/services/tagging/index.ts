import type { OpContext, Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { paginate } from '../../core/paging.js';
import { defineService, type TaggedResource, type TaggingHooks } from '../../core/service.js';

/** The tagging API keeps no state of its own: it reads and writes every service's tags through their hooks. */
type TaggingState = Record<string, never>;
type Op = Operation<TaggingState>;

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message);

/**
 * Every resource that some service reports in the caller's region, with its owning service. With a
 * tagging lag (`realism.taggingLagMs`), what was true one lag ago: new resources and tag changes show
 * late, deleted resources stay listed for a while, as AWS's eventually consistent index does.
 */
const allResources = (ctx: OpContext<TaggingState>): TaggedResource[] => {
  const { realism } = ctx.emulator;
  const now = ctx.emulator.now();
  return ctx.emulator.services.flatMap((service) => {
    if (!service.tagging) return [];
    const current = service.tagging.list(ctx.emulator.state(service.signingName, ctx.region));
    if (!realism.tagsLag) return current;
    const key = `${service.signingName}/${ctx.region}`;
    realism.observeTags(key, current, now);
    return realism.taggedView(key, now);
  });
};

/** `sqs` matches `sqs` and `sqs:*`; `events:rule` matches `events:rule` (and a service reporting plain `events`). */
const typeMatches = (filter: string, type: string): boolean => {
  if (filter === type) return true;
  const [fService, fType] = filter.split(':', 2);
  const [tService, tType] = type.split(':', 2);
  if (fService !== tService) return false;
  return fType === undefined || tType === undefined;
};

interface TagFilter {
  readonly Key: string;
  readonly Values: readonly string[];
}

const readTagFilters = (value: unknown): TagFilter[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('TagFilters must be a list.');
  if (value.length > 50) throw invalid('TagFilters can have at most 50 items.');
  return value.map((f: { Key?: unknown; Values?: unknown }) => {
    if (typeof f?.Key !== 'string' || f.Key === '') throw invalid('Each TagFilter needs a Key.');
    const values = Array.isArray(f.Values) ? f.Values.map(String) : [];
    if (values.length > 20) throw invalid('A TagFilter can have at most 20 Values.');
    return { Key: f.Key, Values: values };
  });
};

const readStrings = (value: unknown, name: string): string[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${name} must be a list.`);
  return value.map(String);
};

/** One page of `items`; the Resource Groups Tagging API ends a listing with an empty PaginationToken. */
const pageOf = <T>(
  items: readonly T[],
  size: number,
  token: unknown,
): { page: T[]; PaginationToken: string } => {
  const { page, nextToken } = paginate(items, token, size, () =>
    invalid('The PaginationToken is not valid.'),
  );
  return { page, PaginationToken: nextToken ?? '' };
};

const readPageSize = (value: unknown, name: string, max: number, fallback: number): number => {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${name} must be between 1 and ${max}.`);
  }
  return value;
};

const byArn = (a: TaggedResource, b: TaggedResource): number => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0);

const getResources: Op = (input, ctx) => {
  const filters = readTagFilters(input.TagFilters);
  const types = readStrings(input.ResourceTypeFilters, 'ResourceTypeFilters');
  const arns = readStrings(input.ResourceARNList, 'ResourceARNList');
  if (arns.length > 0 && (filters.length > 0 || types.length > 0)) {
    throw invalid('ResourceARNList cannot be used together with TagFilters or ResourceTypeFilters.');
  }
  const size = readPageSize(input.ResourcesPerPage, 'ResourcesPerPage', 100, 50);
  const resources = allResources(ctx)
    .filter((r) => (arns.length > 0 ? arns.includes(r.arn) : Object.keys(r.tags).length > 0))
    .filter((r) => types.length === 0 || types.some((t) => typeMatches(t, r.resourceType)))
    .filter((r) =>
      filters.every(
        (f) =>
          Object.hasOwn(r.tags, f.Key) &&
          (f.Values.length === 0 || f.Values.includes(r.tags[f.Key] as string)),
      ),
    )
    .sort(byArn);
  const { page, PaginationToken } = pageOf(resources, size, input.PaginationToken);
  return {
    PaginationToken,
    ResourceTagMappingList: page.map((r) => ({
      ResourceARN: r.arn,
      Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
    })),
  };
};

const getTagKeys: Op = (input, ctx) => {
  const keys = [...new Set(allResources(ctx).flatMap((r) => Object.keys(r.tags)))].sort();
  const { page, PaginationToken } = pageOf(keys, 500, input.PaginationToken);
  return { PaginationToken, TagKeys: page };
};

const getTagValues: Op = (input, ctx) => {
  const key = input.Key;
  if (typeof key !== 'string' || key === '') throw invalid('Key is required.');
  const values = [
    ...new Set(
      allResources(ctx)
        .filter((r) => Object.hasOwn(r.tags, key))
        .map((r) => r.tags[key] as string),
    ),
  ].sort();
  const { page, PaginationToken } = pageOf(values, 500, input.PaginationToken);
  return { PaginationToken, TagValues: page };
};

interface FailureInfo {
  StatusCode: number;
  ErrorCode: string;
  ErrorMessage: string;
}

/** Runs `apply` on the first service that owns each ARN; ARNs nobody owns go to FailedResourcesMap. */
const forEachArn = (
  ctx: OpContext<TaggingState>,
  arns: readonly string[],
  apply: (hooks: TaggingHooks<unknown>, state: unknown, arn: string) => boolean,
): { FailedResourcesMap: Record<string, FailureInfo> } => {
  if (arns.length === 0 || arns.length > 20) throw invalid('ResourceARNList must have 1 to 20 items.');
  const failed: Record<string, FailureInfo> = {};
  for (const arn of arns) {
    const done = ctx.emulator.services.some(
      (service) =>
        service.tagging && apply(service.tagging, ctx.emulator.state(service.signingName, ctx.region), arn),
    );
    if (!done) {
      failed[arn] = {
        StatusCode: 404,
        ErrorCode: 'InvalidParameterException',
        ErrorMessage: `Resource ${arn} was not found.`,
      };
    }
  }
  return { FailedResourcesMap: failed };
};

const tagResources: Op = (input, ctx) => {
  const tags = input.Tags;
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags) || Object.keys(tags).length === 0) {
    throw invalid('Tags must be a non-empty map.');
  }
  const clean = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
  return forEachArn(ctx, readStrings(input.ResourceARNList, 'ResourceARNList'), (hooks, state, arn) =>
    hooks.tag(state, arn, clean),
  );
};

const untagResources: Op = (input, ctx) => {
  const keys = readStrings(input.TagKeys, 'TagKeys');
  if (keys.length === 0) throw invalid('TagKeys must not be empty.');
  return forEachArn(ctx, readStrings(input.ResourceARNList, 'ResourceARNList'), (hooks, state, arn) =>
    hooks.untag(state, arn, keys),
  );
};

/**
 * The Resource Groups Tagging API (AWS JSON 1.1, `ResourceGroupsTaggingAPI_20170126.<Op>`): sees
 * every service's resources in the caller's region through the services' tagging hooks.
 */
export const tagging = defineService<TaggingState>({
  signingName: 'tagging',
  protocols: ['json'],
  targetPrefix: 'ResourceGroupsTaggingAPI_20170126',
  jsonVersion: '1.1',
  createState: () => ({}),
  operations: {
    GetResources: getResources,
    GetTagKeys: getTagKeys,
    GetTagValues: getTagValues,
    TagResources: tagResources,
    UntagResources: untagResources,
  },
});
