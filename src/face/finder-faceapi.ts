// The face-api finder: TinyFaceDetector / SSD cascade (face/detect.ts) and two passes of 68 landmarks for each described face.
import { fivePointsFrom68 } from './align.js';
import { detectFaces, landmarksFor, setupFaceApi, tf, toTensor } from './detect.js';
import type { FaceFinder } from './finder.js';

export async function openFaceApiFinder(withRecognitionNet: boolean): Promise<FaceFinder> {
  await setupFaceApi({ recognition: withRecognitionNet, detectors: true });
  return {
    async find(image, { enrol, retry }) {
      const input = toTensor(image);
      try {
        const { detections, detector } = await detectFaces(input, image.width, image.height, !retry, enrol || retry);
        return {
          faces: detections.map((d) => ({ box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }, score: d.score })),
          detector,
          async points(i) {
            const d = detections[i]!;
            const landmarks68 = (await landmarksFor(input, d.box)).positions.map((p) => ({ x: p.x, y: p.y }));
            return { landmarks68, points5: fivePointsFrom68(landmarks68) };
          },
          dispose: () => input.dispose(),
        };
      } catch (e) {
        input.dispose();
        throw e;
      }
    },
    numTensors: () => tf.memory().numTensors,
  };
}
