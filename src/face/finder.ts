// Inside a worker: where the faces of a decoded image are and their alignment points — face-api's cascade with 68
// landmarks, or YuNet's boxes with five points. The worker picks one by the model (FaceModelSpec.points).
import type { FacePoints } from './align.js';
import type { RgbImage } from './image.js';
import type { DetectorName, FaceBox } from './types.js';

export interface FoundFaces {
  /** In the pixels of the decoded image; any order. */
  faces: { box: FaceBox; score: number }[];
  detector: DetectorName;
  /** A face's alignment points (face-api finds its 68 landmarks only when asked: only described faces pay). */
  points(i: number): Promise<FacePoints>;
  /** Frees what the search holds (face-api: the image tensor). */
  dispose(): void;
}

export interface FaceFinder {
  /**
   * `enrol`: an ID photo, already padded; `retry`: the padded second look at a checkpoint frame that
   * showed nothing as it was (face-api then skips its slow SSD).
   */
  find(image: RgbImage, opts: { enrol: boolean; retry: boolean }): Promise<FoundFaces>;
  /** Live tensors (face-api's leak check in /api/health); 0 without tfjs. */
  numTensors(): number;
}
