/** Files chosen in the browser as the API takes them: base64 in JSON (attachments, DER signatures). */
export function base64(bytes: Uint8Array): string {
  let bin = "";
  // String.fromCharCode takes its arguments on the stack: 32 KiB at a time.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export async function fileBytes(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
