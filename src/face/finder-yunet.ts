// The YuNet finder: one 640×640 pass gives every face with its five points; with `landmarks68`, one pass of face-api's
// 68-landmark net in each described face's box gives a finer alignment (measured: see the README, «Модель распознавания»).
import { fivePointsFrom68 } from './align.js';
import type { FaceFinder } from './finder.js';
import type { VendoredFile } from './models.js';
import { YuNet } from './yunet.js';

/**
 * YuNet's box is the face itself (brow to chin, the ears outside); face-api's — on which MIN_FACE_PX, the
 * enrolment minimum and the quality limits were measured — is a looser square. On the same 280 CelebA
 * faces face-api's box was 1.37× as wide (median; p10 1.23, p90 1.67), so the finder reports YuNet's box
 * widened by that much around its centre: "face width" means the same thing whichever finder ran.
 */
export const YUNET_WIDTH_TO_FACEAPI = 1.37;

export async function openYuNetFinder(file: VendoredFile, landmarks68: boolean): Promise<FaceFinder> {
  const yunet = await YuNet.open(file.path);
  const faceapi = landmarks68 ? await import('./detect.js') : undefined;
  if (faceapi) await faceapi.setupFaceApi({ recognition: false, detectors: false });
  return {
    async find(image) {
      const faces = (await yunet.detect(image)).map((f) => {
        const width = f.box.width * YUNET_WIDTH_TO_FACEAPI;
        return { box: { x: f.box.x + (f.box.width - width) / 2, y: f.box.y, width, height: f.box.height }, score: f.score, points: f.points };
      });
      // face-api's landmark net reads the image as a tensor: made only when a described face needs it.
      let input: ReturnType<NonNullable<typeof faceapi>['toTensor']> | undefined;
      return {
        faces,
        detector: 'yunet',
        async points(i) {
          const f = faces[i]!;
          if (!faceapi) return { points5: f.points };
          input ??= faceapi.toTensor(image);
          const lm = (await faceapi.landmarksIn(input, f.box)).positions.map((p) => ({ x: p.x, y: p.y }));
          return { landmarks68: lm, points5: fivePointsFrom68(lm) };
        },
        dispose: () => input?.dispose(),
      };
    },
    numTensors: () => (faceapi ? faceapi.tf.memory().numTensors : 0),
  };
}
