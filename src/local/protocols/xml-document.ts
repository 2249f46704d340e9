/**
 * REST-XML documents: a small parser for the request documents a service takes (S3's
 * CreateBucketConfiguration, Tagging, Delete, ...) and a writer for result documents. Which
 * operation takes which document, and the namespace of results, are the service's hints
 * (`ServiceDefinition.restXml`).
 */
import { AwsError } from '../core/errors.js';
import { escapeXml } from './xml.js';

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? whole;
  });

export const malformedXml = (): AwsError =>
  new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );

/** Parses a document into its root element (names without namespace prefixes). Throws MalformedXML. */
export const parseXml = (text: string): XmlElement => {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const re =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^>]*?)?)(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|([^<]+)/g;
  let pos = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index !== pos) throw malformedXml();
    pos = re.lastIndex;
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) {
      if (!top) throw malformedXml();
      top.text += m[1];
    } else if (m[3] !== undefined) {
      const name = m[3].slice(m[3].indexOf(':') + 1);
      if (m[2] === '/') {
        if (!top || top.name !== name) throw malformedXml();
        stack.pop();
        continue;
      }
      const el: XmlElement = { name, children: [], text: '' };
      if (top) top.children.push(el);
      else if (root) throw malformedXml();
      else root = el;
      if (m[5] !== '/') stack.push(el);
    } else if (m[6] !== undefined) {
      if (top) top.text += decodeEntities(m[6]);
      else if (m[6].trim() !== '') throw malformedXml();
    }
  }
  if (pos !== text.length || stack.length > 0 || !root) throw malformedXml();
  return root;
};

export const child = (el: XmlElement | undefined, name: string): XmlElement | undefined =>
  el?.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement | undefined, name: string): XmlElement[] =>
  el ? el.children.filter((c) => c.name === name) : [];
export const textOf = (el: XmlElement | undefined, name: string): string | undefined => child(el, name)?.text;

/** A value the writer renders: objects are elements, arrays repeat their element, Dates are ISO. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

const render = (name: string, value: XmlValue): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('');
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => render(k, v))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
};

/** A whole document with the service's namespace on its root. */
export const xmlDocument = (root: string, value: XmlValue, xmlns: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${render(root, value).replace(`<${root}>`, `<${root} xmlns="${xmlns}">`)}`;
