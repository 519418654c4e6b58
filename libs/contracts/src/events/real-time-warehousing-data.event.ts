import { IsInt, IsOptional, IsString, Length, MaxLength, Min } from 'class-validator';

/**
 * The seed's event report (`RealTimeWarehousingData` in its report service
 * proto), on `SEED_TOPICS.eventReport`, as kratos-transport's json codec
 * writes it: lowerCamelCase names, unset optional fields left out. Unknown
 * fields are ignored (stripped), as Go's decoders do.
 */
export class RealTimeWarehousingData {
  @IsOptional()
  @IsInt()
  @Min(0)
  id?: number;

  @IsString()
  @Length(1, 200)
  eventName!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  reportData?: string;

  /** The publisher's own text (the seed formats a Unix-milliseconds time); stored as given. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  createTime?: string;
}
