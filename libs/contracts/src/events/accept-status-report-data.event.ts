import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';

/**
 * The seed's acceptance status of a report (`AcceptStatusReportData` in its
 * report service proto), on `SEED_TOPICS.userReport`: every field is
 * optional in the seed, and a Go encoder leaves a zero status out.
 */
export class AcceptStatusReportData {
  @IsOptional()
  @IsInt()
  @Min(0)
  id?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  dataName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  reportType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  reportData?: string;

  @IsOptional()
  @IsInt()
  status?: number;

  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  errorReason?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  errorHandling?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  partEvent?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  partDate?: string;
}
