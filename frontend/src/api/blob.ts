/** The text of a blob, through FileReader, which every browser (and jsdom) has. */
export function readBlobText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the response'));
    reader.readAsText(blob);
  });
}
