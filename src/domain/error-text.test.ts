import { describe, expect, it } from 'vitest';
import { errorText } from './error-text.ts';

describe('errorText', () => {
  it.each([
    ['a string', 'stream ended', 'stream ended'],
    ['an Error', new Error('HTTP 500'), 'HTTP 500'],
    // Cesium's RuntimeError wraps jsep's Error, with its description, as its message.
    ['an Error whose message is an Error', Object.assign(new Error(), { message: Object.assign(new Error('Unexpected "@" at character 25'), { description: 'Unexpected "@"' }) }), 'Unexpected "@" at character 25'],
    ['an object with a message', { message: { message: 'deep' } }, 'deep'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['an object without toString', Object.create(null) as object, '[object Object]'],
  ])('%s gives text', (_name, error, expected) => {
    const text = errorText(error);
    expect(typeof text).toBe('string');
    expect(text).toBe(expected);
  });

  it('a message that refers to itself ends', () => {
    const error: { message?: unknown } = {};
    error.message = error;
    expect(typeof errorText(error)).toBe('string');
  });
});
