// The webcam: its stream into the preview, why it could not open (in the operator's words), frame capture.
import { $ } from './common.js';

export const video = $('video') as HTMLVideoElement;
let stream: MediaStream | null = null;
let onLost: () => void = () => undefined;

/** `handler` runs when the camera stops by itself (unplugged, taken by another program, access withdrawn). */
export function whenCameraLost(handler: () => void): void {
  onLost = handler;
}

/** Whether the camera is on (a stream plays in the preview). */
export function cameraOn(): boolean {
  return stream !== null;
}

/** Opens (or reopens) the camera into the preview; on failure the camera counts as off and the error is rethrown. */
export async function startCamera(): Promise<void> {
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('insecure', 'SecurityError');
    for (const t of stream?.getTracks() ?? []) t.stop(); // «Открыть камеру» again: the old stream lets the camera go
    const opened = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' }, audio: false });
    stream = opened;
    for (const t of opened.getVideoTracks())
      t.addEventListener('ended', () => {
        if (stream !== opened) return; // an old stream, replaced by «Открыть камеру» again
        stream = null;
        video.srcObject = null;
        onLost();
      });
    video.srcObject = opened;
    await video.play();
  } catch (e) {
    stream = null;
    throw e;
  }
}

/** What went wrong with the camera (the card's title) and what to do (its hint). */
export function cameraError(e: unknown): [string, string] {
  const name = (e as DOMException)?.name;
  if (!navigator.mediaDevices?.getUserMedia) return ['Камера недоступна', 'Откройте страницу по HTTPS или на этом компьютере (localhost)'];
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return ['Доступ к камере запрещён', 'Разрешите камеру в настройках браузера и нажмите «Открыть камеру» ещё раз'];
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return ['Камера не найдена', 'Подключите камеру и нажмите «Открыть камеру»'];
  if (name === 'NotReadableError' || name === 'AbortError') return ['Камера занята другой программой', 'Закройте её и нажмите «Открыть камеру»'];
  return ['Не удалось открыть камеру', `Причина: ${name ?? 'неизвестна'}. Нажмите «Открыть камеру» ещё раз`];
}

/** The current preview frame as a JPEG. */
export function capture(): Promise<Blob> {
  const canvas = $('frame') as HTMLCanvasElement;
  const w = video.videoWidth;
  const h = video.videoHeight;
  // At most 1280 px: enough for the face, small enough to send fast.
  const scale = Math.min(1, 1280 / Math.max(w, h));
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('capture failed'))), 'image/jpeg', 0.9));
}
