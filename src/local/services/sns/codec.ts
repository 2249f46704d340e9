/** SNS query-protocol hints: `Attributes` maps are written as `<entry><key/><value/></entry>`. */
import type { QueryShapes } from '../../core/service.js';

export const snsQuery: QueryShapes = {
  xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  mapsOut: { Attributes: ['key', 'value'] },
};
