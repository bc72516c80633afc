import { AwsRequestError, awsErrorType, StoreUnavailableError, TableMissingError } from '../errors.js';

/** Runs one DynamoDB call and translates its failure into a StoreUnavailableError (or TableMissingError). */
export async function storeCall<T>(what: string, tableName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateStoreError(error, what, tableName);
  }
}

/** Translates a failed DynamoDB call (our client's AwsRequestError, or an SDK error) into the cloud's errors, keeping it as the cause. */
export function translateStoreError(error: unknown, what: string, tableName: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  if (awsErrorType(error) === 'ResourceNotFoundException') {
    return new TableMissingError(
      `DynamoDB table "${tableName}" (or its index) does not exist: deploy the stack, or set ENSURE_TABLE=true locally`,
      { cause: error },
    );
  }
  const detail =
    error instanceof AwsRequestError
      ? error.detail
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  return new StoreUnavailableError(`DynamoDB ${what} on "${tableName}" failed (${detail})`, { cause: error });
}
