/** Small helpers for the SVG pictures: escaping and a text width estimate (no font metrics here). */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Width of `s` in a sans-serif font of `size` px, a little generous so boxes never clip. */
export function textWidth(s: string, size: number): number {
  return Math.ceil(s.length * size * 0.6);
}

export function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" role="img" aria-label="${esc(title)}">\n<title>${esc(title)}</title>\n<rect width="${width}" height="${height}" fill="#ffffff"/>`;
}
