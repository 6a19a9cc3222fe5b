/** Field paths in the object's own field names, as kubectl users read them. */
export function child(path: string, name: string): string {
  const simple = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
  if (!simple) return `${path}[${JSON.stringify(name)}]`;
  return path === '' ? name : `${path}.${name}`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** The path of one label, always quoted (label keys usually carry a `prefix/`): `metadata.labels["a/b"]`. */
export function labelPath(key: string): string {
  return `metadata.labels[${JSON.stringify(key)}]`;
}

/** RFC 6901 token escaping, for building JSON patches. */
export function pointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
