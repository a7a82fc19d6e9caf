import { useRef } from 'react';
import { useApp, useServices } from '../context.ts';
import { measureDictionaries } from './i18n.ts';

/** Keyboard step of the split line (fraction of the width). */
const KEY_STEP = 0.02;

/**
 * The swipe compare's split line over the map: dragged with the pointer (or moved with the arrow
 * keys), it sets `swipePosition`, which the engine gives to `scene.splitPosition`. Labels say what
 * each side shows.
 */
export function SwipeSplit() {
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const t = measureDictionaries[language];
  const mode = useApp((s) => s.swipeMode);
  const position = useApp((s) => s.swipePosition);
  const swipeDate = useApp((s) => s.swipeDate);
  const asOfDate = useApp((s) => s.asOfDate);
  const status = useApp((s) => s.swipeStatus);
  const dragging = useRef(false);
  if (mode === undefined) return null;
  const setFromPointer = (element: HTMLElement, clientX: number) => {
    const box = (element.parentElement ?? element).getBoundingClientRect();
    if (box.width > 0) store.getState().setSwipePosition((clientX - box.left) / box.width);
  };
  const [left, right] = mode === 'dates' ? [asOfDate ?? t.swipeAsTiled, swipeDate] : [t.buildings, t.pipelines];
  return (
    <div
      className="swipe-split"
      data-testid="swipe-split"
      data-status={status ?? ''}
      data-position={position}
      role="separator"
      aria-orientation="vertical"
      aria-label={t.swipeHandle}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(position * 100)}
      tabIndex={0}
      style={{ left: `${position * 100}%` }}
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => dragging.current && setFromPointer(e.currentTarget, e.clientX)}
      onPointerUp={(e) => {
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onKeyDown={(e) => {
        if (e.key === 'ArrowLeft') store.getState().setSwipePosition(position - KEY_STEP);
        else if (e.key === 'ArrowRight') store.getState().setSwipePosition(position + KEY_STEP);
      }}
    >
      <span className="swipe-label left" data-testid="swipe-left-label">{`${t.swipeLeft}: ${left}`}</span>
      <span className="swipe-knob" aria-hidden="true">⇔</span>
      <span className="swipe-label right" data-testid="swipe-right-label">{`${t.swipeRight}: ${right}`}</span>
    </div>
  );
}
