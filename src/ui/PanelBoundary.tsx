import { Component, type ErrorInfo, type ReactNode } from 'react';
import { errorText } from '../domain/error-text.ts';
import { useApp } from './context.ts';

const TEXT = {
  zh: { failed: '此面板出错', retry: '重试' },
  en: { failed: 'This panel failed', retry: 'Retry' },
};

function PanelFailure({ name, error, onRetry }: { name: string; error: unknown; onRetry(): void }) {
  const t = TEXT[useApp((s) => s.language)];
  return (
    <div className="panel error panel-failed" role="alert" data-testid="panel-failed" data-panel={name}>
      <p>
        {t.failed}: {errorText(error)}
      </p>
      <button type="button" className="link" onClick={onRetry}>
        {t.retry}
      </button>
    </div>
  );
}

/**
 * An error boundary around one panel (React's documented class form): an error thrown while the
 * panel renders shows as text in its place, and the rest of the page, the map included, stays.
 */
export class PanelBoundary extends Component<{ name: string; children: ReactNode }, { error?: unknown; failed: boolean }> {
  override state: { error?: unknown; failed: boolean } = { failed: false };

  static getDerivedStateFromError(error: unknown) {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`panel ${this.props.name}: ${errorText(error)}`, info.componentStack);
  }

  override render() {
    if (this.state.failed) return <PanelFailure name={this.props.name} error={this.state.error} onRetry={() => this.setState({ failed: false, error: undefined })} />;
    return this.props.children;
  }
}
