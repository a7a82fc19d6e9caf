import { describe, expect, it } from 'vitest';
import { monitoringLinkNeedsConfirmation } from './monitoring-link.ts';

const BASE = 'http://127.0.0.1:8080/?monitoring=x';
const CONFIGURED = 'http://127.0.0.1:8080/v1.1';

describe('monitoring link confirmation', () => {
  it.each([
    ['the configured server', 'http://127.0.0.1:8080/v1.1', false],
    ['the configured server, relative', 'v1.1', false],
    ['the configured server with a trailing slash', 'http://127.0.0.1:8080/v1.1/', false],
    ['another host', 'http://other-host/v1.1', true],
    ['the same host on another port', 'http://127.0.0.1:9090/v1.1', true],
    ['another scheme', 'https://127.0.0.1:8080/v1.1', true],
    ['another path on the same origin', 'http://127.0.0.1:8080/other/v1.1', true],
    ['a user-info trick', 'http://127.0.0.1:8080@evil.example/v1.1', true],
  ])('%s: %s', (_name, link, expected) => {
    expect(monitoringLinkNeedsConfirmation(link, CONFIGURED, BASE)).toBe(expected);
  });

  it('any link needs confirmation when no server is configured', () => {
    expect(monitoringLinkNeedsConfirmation('v1.1', undefined, BASE)).toBe(true);
  });
});
