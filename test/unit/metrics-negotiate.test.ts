import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptsGzip, type Negotiated, negotiate } from '../../src/metrics/negotiate.js';

const TEXT: Negotiated = {
  format: 'text',
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
};
const OM_1: Negotiated = {
  format: 'openmetrics',
  contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};
const OM_0: Negotiated = {
  format: 'openmetrics',
  contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8',
};

describe('negotiate', () => {
  const cases: { name: string; accept: string | undefined; expected: Negotiated }[] = [
    { name: 'missing header', accept: undefined, expected: TEXT },
    { name: 'empty header', accept: '', expected: TEXT },
    { name: 'any type', accept: '*/*', expected: TEXT },
    { name: 'text/plain', accept: 'text/plain', expected: TEXT },
    { name: 'unrelated type', accept: 'application/json', expected: TEXT },
    {
      name: 'protobuf only',
      accept:
        'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
      expected: TEXT,
    },
    {
      name: 'Prometheus 2 scrape header',
      accept:
        'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      expected: OM_1,
    },
    {
      name: 'Prometheus 3 scrape header',
      accept:
        'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      expected: OM_1,
    },
    {
      name: 'Prometheus preferring text',
      accept:
        'text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.2',
      expected: TEXT,
    },
    { name: 'openmetrics without version', accept: 'application/openmetrics-text', expected: OM_1 },
    {
      name: 'openmetrics 0.0.1',
      accept: 'application/openmetrics-text; version=0.0.1',
      expected: OM_0,
    },
    {
      name: 'higher q picks 0.0.1',
      accept:
        'application/openmetrics-text;version=1.0.0;q=0.3,application/openmetrics-text;version=0.0.1;q=0.6',
      expected: OM_0,
    },
    {
      name: 'quoted version',
      accept: 'application/openmetrics-text;version="1.0.0"',
      expected: OM_1,
    },
    {
      name: 'upper case',
      accept: 'Application/OpenMetrics-Text; Version=1.0.0; Q=1',
      expected: OM_1,
    },
    {
      name: 'unknown version',
      accept: 'application/openmetrics-text;version=2.0.0',
      expected: TEXT,
    },
    { name: 'openmetrics q=0', accept: 'application/openmetrics-text;q=0', expected: TEXT },
    {
      name: 'openmetrics q=0.000',
      accept: 'application/openmetrics-text;q=0.000,*/*;q=0.1',
      expected: TEXT,
    },
    {
      name: 'text preferred by q',
      accept: 'application/openmetrics-text;q=0.4,text/plain;q=0.5',
      expected: TEXT,
    },
    {
      name: 'openmetrics preferred by q',
      accept: 'text/plain;q=0.4,application/openmetrics-text;q=0.5',
      expected: OM_1,
    },
    {
      name: 'equal q, openmetrics first',
      accept: 'application/openmetrics-text,text/plain',
      expected: OM_1,
    },
    {
      name: 'equal q, text first',
      accept: 'text/plain,application/openmetrics-text',
      expected: TEXT,
    },
    {
      name: 'wildcard beats openmetrics',
      accept: 'application/openmetrics-text;q=0.5,*/*',
      expected: TEXT,
    },
    {
      name: 'text/* beats openmetrics',
      accept: 'application/openmetrics-text;q=0.5,text/*;q=0.8',
      expected: TEXT,
    },
    {
      name: 'text/plain q=0 overrides wildcard',
      accept: 'application/openmetrics-text;q=0.5,text/plain;q=0,*/*',
      expected: OM_1,
    },
    {
      name: 'invalid q ignored',
      accept: 'application/openmetrics-text;q=high,text/plain;q=0.1',
      expected: TEXT,
    },
    { name: 'q above 1 ignored', accept: 'application/openmetrics-text;q=2', expected: TEXT },
    {
      name: 'spaces everywhere',
      accept: '  application/openmetrics-text ; version = 1.0.0 ; q = 0.9 , text/plain ; q=0.1',
      expected: OM_1,
    },
    { name: 'empty elements', accept: ',,application/openmetrics-text,,', expected: OM_1 },
    {
      name: 'comma inside quotes',
      accept: 'text/plain;x="a,application/openmetrics-text";q=0.1',
      expected: TEXT,
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepStrictEqual(negotiate(c.accept), c.expected));
  }
});

describe('acceptsGzip', () => {
  const cases: { name: string; header: string | undefined; expected: boolean }[] = [
    { name: 'missing header', header: undefined, expected: false },
    { name: 'empty header', header: '', expected: false },
    { name: 'gzip', header: 'gzip', expected: true },
    { name: 'browser list', header: 'gzip, deflate, br, zstd', expected: true },
    { name: 'x-gzip', header: 'x-gzip', expected: true },
    { name: 'upper case', header: 'GZIP', expected: true },
    { name: 'gzip q=0', header: 'gzip;q=0', expected: false },
    { name: 'gzip q=0 beats wildcard', header: 'gzip;q=0, *', expected: false },
    { name: 'wildcard', header: '*', expected: true },
    { name: 'wildcard q=0', header: '*;q=0', expected: false },
    { name: 'identity only', header: 'identity', expected: false },
    { name: 'deflate only', header: 'deflate', expected: false },
    { name: 'gzip with q', header: 'br;q=1.0, gzip;q=0.8', expected: true },
    { name: 'invalid q ignored', header: 'gzip;q=x', expected: false },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(acceptsGzip(c.header), c.expected));
  }
});
