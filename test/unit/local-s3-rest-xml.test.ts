import { describe, expect, it } from 'vitest';
import {
  addressOf,
  decodeAwsChunked,
  routeS3,
  virtualHostBucket,
} from '../../src/local/protocols/rest-xml.js';
import { parseXml, textOf, xmlDocument } from '../../src/local/services/s3/xml.js';

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
    expect(xmlDocument('R', { A: ['1 < 2', 'x'], B: { C: true }, D: undefined })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1 &lt; 2</A><A>x</A><B><C>true</C></B></R>',
    );
  });

  it('refuses malformed documents with MalformedXML', () => {
    for (const bad of ['', '<a>', '<a></b>', '<a/><b/>', 'text', '<a>x</a>trailing', '</a>']) {
      expect(() => parseXml(bad), bad).toThrow('not well-formed');
    }
  });
});
