import { IsString, Length } from 'class-validator';

/** `?dataName=` of `GET /seed/accept-status-reports`. */
export class DataNameQuery {
  @IsString()
  @Length(1, 200)
  dataName!: string;
}
