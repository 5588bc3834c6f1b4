// Placeholder until booking lands (replaced by its own module).
export function mountBooking() {}
export function mountManage() {}
