import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";

/** ISO-8601 date-times, named DateTime as the contract says. */
export const DateTimeScalar = DateTimeResolver;
/** Free-form JSON objects (tool parameter schemas, response schemas). */
export const JSONObjectScalar = JSONObjectResolver;
