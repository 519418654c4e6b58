import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { NsqRecord, NsqRecordBuilder } from '../../src/record-builders/nsq.record-builder.js';
import { catchError } from '../support/catch-error.js';

describe('NsqRecord', () => {
  it('defaults to a single message without options', () => {
    expect(new NsqRecord('x')).toMatchObject({ data: 'x', options: {}, isBatch: false });
  });
});

describe('NsqRecordBuilder', () => {
  it('builds a single message from the constructor data', () => {
    const record = new NsqRecordBuilder({ orderId: 1 }).build();
    expect(record).toBeInstanceOf(NsqRecord);
    expect(record).toStrictEqual(new NsqRecord({ orderId: 1 }, {}, false));
  });

  it('setData replaces the data and chains', () => {
    const builder = new NsqRecordBuilder<number>(1);
    expect(builder.setData(2)).toBe(builder);
    expect(builder.build().data).toBe(2);
  });

  it.each([0, 30 * 60_000])('builds a delayed message (%p ms)', (delayMs) => {
    const builder = new NsqRecordBuilder('late');
    expect(builder.setDelay(delayMs)).toBe(builder);
    expect(builder.build()).toMatchObject({ data: 'late', options: { delayMs }, isBatch: false });
  });

  it('builds a batch whose elements are separate messages', () => {
    const builder = new NsqRecordBuilder<number>();
    expect(builder.setBatch([1, 2, 3])).toBe(builder);
    expect(builder.build()).toStrictEqual(new NsqRecord([1, 2, 3], {}, true));
  });

  it('keeps an empty batch a batch (publishing refuses it)', () => {
    expect(new NsqRecordBuilder().setBatch([]).build()).toMatchObject({ data: [], isBatch: true });
  });

  it('a batch wins over single data', () => {
    expect(new NsqRecordBuilder<number>(9).setBatch([1]).build()).toMatchObject({ data: [1], isBatch: true });
  });

  it.each<[string, (builder: NsqRecordBuilder<number>) => NsqRecordBuilder<number>]>([
    ['delay then batch', (builder) => builder.setDelay(1000).setBatch([1, 2])],
    ['batch then delay', (builder) => builder.setBatch([1, 2]).setDelay(1000)],
    ['batch then a delay of 0', (builder) => builder.setBatch([1, 2]).setDelay(0)],
  ])('refuses a delay on a batch (%s)', (_label, configure) => {
    const builder = configure(new NsqRecordBuilder<number>());
    expect(catchError(InvalidNsqOptionError, () => builder.build()).option).toBe('delayMs');
  });

  it.each<unknown>(['abc', { 0: 'a', length: 1 }, new Set([1]), null, undefined])('setBatch refuses the non-array %p', (items) => {
    const error = catchError(InvalidNsqOptionError, () => new NsqRecordBuilder().setBatch(items as unknown[]));
    expect(error.option).toBe('batch');
  });
});
