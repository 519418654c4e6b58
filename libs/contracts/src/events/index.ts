export * from './accept-status-report-data.event.js';
export * from './flash-sale-purchase.event.js';
export * from './order-created.event.js';
export * from './order-paid.event.js';
export * from './order-payment-timeout.event.js';
export * from './real-time-warehousing-data.event.js';
export * from './report-created.event.js';
