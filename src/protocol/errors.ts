/**
 * Error classes of the wire layer. Every error carries a stable string code so that callers,
 * logs and metrics can tell them apart without matching on messages.
 */
export class WardenError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The bytes of a frame do not decode under the spec of their api key and version. */
export class DecodeError extends WardenError {
  constructor(message: string, code = 'WARDEN_ERR_DECODE') {
    super(code, message);
  }
}

/** A request with more elements than its decoding budget allows (limits.maxRequestElements). */
export class DecodeBudgetError extends DecodeError {
  constructor() {
    super('request has more elements than limits.maxRequestElements allows', 'WARDEN_ERR_REQUEST_TOO_COMPLEX');
  }
}

/**
 * A value cannot be written in the wire format: a string whose UTF-8 is longer than its int16
 * length allows. Decoding can produce one: invalid UTF-8 decodes to U+FFFD, three bytes each.
 */
export class EncodeError extends WardenError {
  constructor(message: string) {
    super('WARDEN_ERR_ENCODE', message);
  }
}

/** A frame announced a size that is negative or above the configured limit. */
export class FrameTooLargeError extends WardenError {
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(
      size < 0 ? 'WARDEN_ERR_FRAME_NEGATIVE_SIZE' : 'WARDEN_ERR_FRAME_TOO_LARGE',
      size < 0 ? `frame size ${size} is negative` : `frame size ${size} exceeds the limit of ${limit} bytes`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/** A request names an api key or version the proxy does not know. */
export class UnsupportedApiError extends WardenError {
  constructor(apiKey: number, version: number) {
    super('WARDEN_ERR_UNSUPPORTED_API', `api key ${apiKey} version ${version} is not supported`);
  }
}

/** A Produce record batch failed validation (magic, lengths, CRC32C). */
export class RecordBatchError extends WardenError {
  constructor(message: string) {
    super('WARDEN_ERR_RECORD_BATCH', message);
  }
}
