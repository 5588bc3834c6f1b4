// Placeholder until the history view lands (replaced by its own module).
export function mountHistory() {}
