/** Small XML writing helpers for query-protocol responses. */

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
};

export const escapeXml = (text: string): string => text.replace(/[&<>"'\r]/g, (c) => XML_ESCAPES[c] ?? c);

/** `<tag>escaped text</tag>`, or nothing when the value is undefined/null. */
export const el = (tag: string, value: string | number | boolean | undefined | null): string =>
  value === undefined || value === null ? '' : `<${tag}>${escapeXml(String(value))}</${tag}>`;

/** `<tag>inner xml</tag>` with already-rendered children. */
export const node = (tag: string, inner: string): string => `<${tag}>${inner}</${tag}>`;

/** Renders a string→string map as AWS's `<entry><key/><value/></entry>` members. */
export const entries = (wrapper: string, map: Readonly<Record<string, string>>): string =>
  node(
    wrapper,
    Object.entries(map)
      .map(([k, v]) => node('entry', el('key', k) + el('value', v)))
      .join(''),
  );

export const responseXml = (operation: string, xmlns: string, result: string, requestId: string): string =>
  `<?xml version="1.0"?><${operation}Response xmlns="${xmlns}">` +
  (result === '' ? '' : `<${operation}Result>${result}</${operation}Result>`) +
  `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;

export const errorXml = (
  xmlns: string,
  fault: string,
  code: string,
  message: string,
  requestId: string,
): string =>
  `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error><Type>${fault}</Type>` +
  `${el('Code', code)}${el('Message', message)}<Detail/></Error>` +
  `<RequestId>${requestId}</RequestId></ErrorResponse>`;
