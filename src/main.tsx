import './engine/cesium-base.ts';
import 'cesium/Build/Cesium/Widgets/widgets.css';
import './ui/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppStore } from './store/index.ts';
import { parseUrlState } from './store/url-state.ts';
import { App } from './ui/App.tsx';

const urlState = parseUrlState(window.location.search);
const store = createAppStore();
function savedLanguage(): string | null {
  try {
    return window.localStorage.getItem('cim-twin.language');
  } catch {
    return null; // storage may be unavailable (private mode)
  }
}
store.getState().setLanguage(urlState.language ?? (savedLanguage() === 'en' ? 'en' : 'zh'));
document.documentElement.lang = store.getState().language === 'zh' ? 'zh-CN' : 'en';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} urlState={urlState} configUrl={`${import.meta.env.BASE_URL}config.json`} />
  </StrictMode>,
);
