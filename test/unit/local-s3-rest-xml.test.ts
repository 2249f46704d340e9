import { describe, expect, it } from 'vitest';
import type { AwsError } from '../../src/local/core/errors.js';
import { defineService } from '../../src/local/core/service.js';
import {
  addressOf,
  decodeAwsChunked,
  restXmlProtocol,
  routeS3,
  S3_MAX_BODY_BYTES,
  virtualHostBucket,
} from '../../src/local/protocols/rest-xml.js';
import { parseXml, textOf, xmlDocument } from '../../src/local/protocols/xml-document.js';
import { s3Shapes } from '../../src/local/services/s3/codec.js';
import { s3 } from '../../src/local/services/s3/index.js';
import { noSuchBucket } from '../../src/local/services/s3/state.js';

describe('S3 addressing', () => {
  it('reads the bucket from virtual-hosted Host names and not from IPs or bare hosts', () => {
    expect(virtualHostBucket('photos.localhost:4566')).toBe('photos');
    expect(virtualHostBucket('my.dotted.bucket.localhost')).toBe('my.dotted.bucket');
    expect(virtualHostBucket('photos.s3.localhost:80')).toBe('photos');
    expect(virtualHostBucket('photos.s3.eu-west-1.amazonaws.com')).toBe('photos');
    expect(virtualHostBucket('photos.s3-eu-west-1.amazonaws.com')).toBe('photos');
    expect(virtualHostBucket('s3.localhost')).toBeUndefined();
    expect(virtualHostBucket('localhost:4566')).toBeUndefined();
    expect(virtualHostBucket('127.0.0.1:4566')).toBeUndefined();
    expect(virtualHostBucket(undefined)).toBeUndefined();
  });

  it('splits path-style paths into bucket and decoded key, keeping slashes and empty segments', () => {
    expect(addressOf('127.0.0.1', '/')).toEqual({ bucket: undefined, key: undefined });
    expect(addressOf('127.0.0.1', '/bkt')).toEqual({ bucket: 'bkt', key: undefined });
    expect(addressOf('127.0.0.1', '/bkt/')).toEqual({ bucket: 'bkt', key: undefined });
    expect(addressOf('127.0.0.1', '/bkt/a//b%20c%3F.txt')).toEqual({ bucket: 'bkt', key: 'a//b c?.txt' });
    expect(addressOf('bkt.localhost', '/dir/')).toEqual({ bucket: 'bkt', key: 'dir/' });
    expect(() => addressOf('127.0.0.1', '/bkt/%E0%A4%A')).toThrow("Couldn't parse the specified URI.");
  });

  it('routes by method, key and sub-resource', () => {
    const q = (s: string) => new URLSearchParams(s);
    expect(routeS3('GET', undefined, undefined, q(''), {})).toBe('ListBuckets');
    expect(routeS3('GET', 'b', undefined, q('list-type=2&prefix=a'), {})).toBe('ListObjectsV2');
    expect(routeS3('GET', 'b', undefined, q('prefix=a'), {})).toBe('ListObjects');
    expect(routeS3('POST', 'b', undefined, q('delete'), {})).toBe('DeleteObjects');
    expect(routeS3('PUT', 'b', 'k', q('partNumber=1&uploadId=u'), {})).toBe('UploadPart');
    expect(routeS3('PUT', 'b', 'k', q('partNumber=1&uploadId=u'), { 'x-amz-copy-source': 'a/b' })).toBe(
      'UploadPartCopy',
    );
    expect(routeS3('PUT', 'b', 'k', q(''), { 'x-amz-copy-source': 'a/b' })).toBe('CopyObject');
    expect(routeS3('POST', 'b', 'k', q('uploads'), {})).toBe('CreateMultipartUpload');
    expect(routeS3('POST', 'b', 'k', q('uploadId=u'), {})).toBe('CompleteMultipartUpload');
    expect(routeS3('DELETE', 'b', 'k', q('uploadId=u'), {})).toBe('AbortMultipartUpload');
    expect(() => routeS3('GET', 'b', undefined, q('acl'), {})).toThrow('GET ?acl');
    expect(() => routeS3('PUT', undefined, undefined, q(''), {})).toThrow('not allowed');
  });
});

describe('aws-chunked decoding', () => {
  it('joins chunks and reads trailers (unsigned and signed chunk headers)', () => {
    const raw = Buffer.from(
      '3;chunk-signature=ab\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:00\r\n\r\n',
    );
    const { body, trailers } = decodeAwsChunked(raw);
    expect(body.toString()).toBe('abcde');
    expect(trailers).toEqual({ 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-trailer-signature': '00' });
  });

  it('refuses truncated and malformed bodies', () => {
    for (const bad of ['5\r\nab', 'zz\r\nab\r\n0\r\n', '2\r\nabXX0\r\n', '2\r\nab\r\n']) {
      expect(() => decodeAwsChunked(Buffer.from(bad))).toThrow('The request body terminated unexpectedly');
    }
  });
});

describe('S3 XML', () => {
  it('parses documents with namespaces, entities and CDATA, and writes escaped ones', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a&amp;b</Key>' +
        '<Value><![CDATA[<x>]]>&#x41;&#66;</Value></Tag></TagSet></Tagging>',
    );
    const tag = root.children[0]?.children[0];
    expect(textOf(tag, 'Key')).toBe('a&b');
    expect(textOf(tag, 'Value')).toBe('<x>AB');
    expect(xmlDocument('R', { A: ['1 < 2', 'x'], B: { C: true }, D: undefined }, s3Shapes.xmlns)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1 &lt; 2</A><A>x</A><B><C>true</C></B></R>',
    );
  });

  it('refuses malformed documents with MalformedXML', () => {
    for (const bad of ['', '<a>', '<a></b>', '<a/><b/>', 'text', '<a>x</a>trailing', '</a>']) {
      expect(() => parseXml(bad), bad).toThrow('not well-formed');
    }
  });
});

describe('REST-XML hints come from the service definition', () => {
  const request = (method: string, path: string, query = '') => ({
    method,
    path,
    query: new URLSearchParams(query),
    headers: { host: '127.0.0.1' },
  });
  const tagging = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';
  const bare = defineService({
    signingName: 'bare',
    protocols: ['rest-xml'],
    restXml: { xmlns: 'urn:bare', rawBodies: { PutObject: ['Text', 'text'] } },
    createState: () => ({}),
    operations: {},
  });

  it('S3 declares its documents, raw bodies and namespace', () => {
    expect(s3.restXml).toBe(s3Shapes);
    const put = restXmlProtocol.decode(s3, request('PUT', '/b/k'), Buffer.from('bytes'));
    expect(put).toEqual({
      operation: 'PutObject',
      input: { Bucket: 'b', Key: 'k', Body: Buffer.from('bytes') },
    });
    const policy = restXmlProtocol.decode(s3, request('PUT', '/b', 'policy'), Buffer.from('{"a":1}'));
    expect(policy.input.Policy).toBe('{"a":1}');
    const tags = restXmlProtocol.decode(s3, request('PUT', '/b', 'tagging'), Buffer.from(tagging));
    expect(tags.input.Tagging).toEqual({ TagSet: [{ Key: 'k', Value: 'v' }] });
    const reply = restXmlProtocol.encodeResult(
      s3,
      { operation: 'GetBucketTagging', input: {} },
      { Xml: { root: 'R', value: {} } },
      'id',
    );
    expect(String(reply.body)).toContain('<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
  });

  it('another service gets only its own hints', () => {
    const put = restXmlProtocol.decode(bare, request('PUT', '/b/k'), Buffer.from('text'));
    expect(put.input).toEqual({ Bucket: 'b', Key: 'k', Text: 'text' });
    const tags = restXmlProtocol.decode(bare, request('PUT', '/b', 'tagging'), Buffer.from(tagging));
    expect(tags.input).toEqual({ Bucket: 'b' });
    const reply = restXmlProtocol.encodeResult(
      bare,
      { operation: 'GetBucketTagging', input: {} },
      { Xml: { root: 'R', value: {} } },
      'id',
    );
    expect(String(reply.body)).toContain('<R xmlns="urn:bare">');
  });

  it('writes an error’s extra fields as elements of S3’s error document', () => {
    const missing = restXmlProtocol.encodeError(s3, noSuchBucket('gone'), 'req-1');
    expect(missing.status).toBe(404);
    expect(String(missing.body)).toContain(
      '<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>gone</BucketName><RequestId>req-1</RequestId>',
    );
    const tooLarge = restXmlProtocol.bodyTooLarge?.(300) as AwsError;
    const body = String(restXmlProtocol.encodeError(s3, tooLarge, 'req-2').body);
    expect(body).toContain('<Code>EntityTooLarge</Code>');
    expect(body).toContain(
      `<ProposedSize>300</ProposedSize><MaxSizeAllowed>${S3_MAX_BODY_BYTES}</MaxSizeAllowed>`,
    );
  });
});
