import { IsString, Length } from 'class-validator';

/** `?eventName=` of `GET /seed/event-reports`. */
export class EventNameQuery {
  @IsString()
  @Length(1, 200)
  eventName!: string;
}
