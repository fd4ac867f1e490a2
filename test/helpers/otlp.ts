import protobuf from "protobufjs";

/**
 * Decodes an OTLP/HTTP protobuf trace export the way a collector would, with protobufjs against the
 * protocol's message definitions (opentelemetry-proto v1: collector/trace/v1/trace_service.proto,
 * trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto; field numbers as published,
 * events and links left out since the gateway sends none and a decoder skips unknown fields). The
 * result has the shape of OTLP/JSON (ids as hex, 64-bit integers as decimal strings, enums as numbers),
 * so assertions read as the protocol's documentation does. It shares no code with the gateway's encoder.
 */
const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  uint32 dropped_events_count = 12;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
`;

const root = protobuf.parse(PROTO).root;
const Request = root.lookupType("otlp.ExportTraceServiceRequest");
const Response = root.lookupType("otlp.ExportTraceServiceResponse");

export interface OtlpValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}
export interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

const hexOf = (b64: unknown) => (typeof b64 === "string" && b64 ? Buffer.from(b64, "base64").toString("hex") : undefined);

export function decodeTraceExport(body: Uint8Array): OtlpExport {
  const obj = Request.toObject(Request.decode(body), { longs: String, bytes: String, arrays: true }) as OtlpExport;
  for (const rs of obj.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        s.traceId = hexOf(s.traceId)!;
        s.spanId = hexOf(s.spanId)!;
        const parent = hexOf(s.parentSpanId);
        if (parent) s.parentSpanId = parent;
        else delete s.parentSpanId;
      }
  return obj;
}

export function encodeTraceResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  return Response.encode(Response.create({ partialSuccess: { rejectedSpans, errorMessage } })).finish();
}
