// The plain-text switch: every diagram can be drawn without color, box drawing or symbols, in
// words a screen reader reads well. It is on when asked for (`plain` prop, the REPL's --plain)
// or when the NO_COLOR convention (https://no-color.org) says so: set and not empty.

export function isPlain(prop?: boolean, env: Record<string, string | undefined> = process.env): boolean {
  if (prop !== undefined) return prop;
  const v = env.NO_COLOR;
  return v !== undefined && v !== '';
}
