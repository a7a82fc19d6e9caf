/**
 * Any thrown value as one line of text, for the UI. Not every error's `message` is a string:
 * Cesium's expression errors carry the parser's Error as their `message`, and React cannot render
 * an object (error #31), so a panel that showed such a message blanked the page.
 */
export function errorText(error: unknown, depth = 0): string {
  if (typeof error === 'string') return error;
  if (error === null || error === undefined) return String(error);
  if (typeof error === 'object' && depth < 4) {
    const message = (error as { message?: unknown }).message;
    if (message !== undefined && message !== null && message !== '') {
      const text = errorText(message, depth + 1);
      const description = (message as { description?: unknown }).description;
      return typeof description === 'string' && !text.includes(description) ? `${text} (${description})` : text;
    }
  }
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
