import { jest } from '@jest/globals';
import type { Message } from 'nsqjs';
import type { NsqSubscriptionHooks, NsqSubscriptionPort } from '../../src/nsq/nsq-subscription.js';
import { nsqjsMessage, type NsqjsMessageSpec } from './nsqjs-message.js';

/** A scripted subscription: the test plays nsqd (SUB acknowledged, messages delivered). */
export class FakeSubscription implements NsqSubscriptionPort {
  readonly reader = { fake: 'reader' };
  readonly calls: string[] = [];
  readonly forgotten: Message[] = [];
  private readonly addresses = new Set<string>();
  private readonly waiters: Array<() => void> = [];

  constructor(
    readonly topic: string,
    readonly channel: string,
    readonly hooks: NsqSubscriptionHooks,
  ) {}

  get isSubscribed(): boolean {
    return this.addresses.size > 0;
  }
  get subscribedAddresses(): readonly string[] {
    return [...this.addresses];
  }
  start(): void {
    this.calls.push('start');
  }
  whenSubscribed(): Promise<void> {
    return this.isSubscribed ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
  queryLookupd(): void {
    this.calls.push('queryLookupd');
  }
  pause(): void {
    this.calls.push('pause');
  }
  close(): Promise<void> {
    this.calls.push('close');
    return Promise.resolve();
  }
  forget(message: Message): void {
    this.forgotten.push(message);
  }

  subscribe(address = '127.0.0.1:4150'): void {
    this.addresses.add(address);
    this.hooks.onSubscribed(address);
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  lose(address = '127.0.0.1:4150'): void {
    this.addresses.delete(address);
    this.hooks.onUnsubscribed(address);
  }

  /** Delivers a real nsqjs Message whose FIN / REQ / TOUCH are recorded. */
  deliver(spec: NsqjsMessageSpec = {}) {
    const message = nsqjsMessage(spec);
    const spies = { message, finish: jest.spyOn(message, 'finish'), requeue: jest.spyOn(message, 'requeue'), touch: jest.spyOn(message, 'touch') };
    this.hooks.onMessage(message);
    return spies;
  }
}
