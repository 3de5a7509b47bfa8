/**
 * The sandbox page object (test/helpers/sandbox-page.ts) plus the waits the whole-app browser test
 * needs: a card by its `data-card-id` (the incident's 签收 card, updated in place) and a field value
 * on it. Every wait is Playwright's event-based auto-wait (no sleeps).
 */
import type { Locator } from 'playwright-core';
import { SandboxPage } from '../../helpers/sandbox-page.js';

/** `SandboxPage` with card-id based waits. */
export class E2eSandboxPage extends SandboxPage {
  /** The card with `data-card-id` = `cardId` (e.g. `ack-YQ-20261129-001`); waits until it is shown. */
  async cardById(cardId: string): Promise<Locator> {
    const card = this.page.locator(`.msg .card[data-card-id="${cardId}"]`);
    await card.waitFor();
    return card;
  }

  /**
   * Waits until card `cardId` shows a field labelled `label` whose value matches `value`
   * (the page re-renders a card in place when the bot updates it); returns the card.
   */
  async waitForCardField(cardId: string, label: string, value: RegExp): Promise<Locator> {
    const card = await this.cardById(cardId);
    await card
      .locator('.card-fields dt', { hasText: label })
      .locator('xpath=following-sibling::dd[1]')
      .filter({ hasText: value })
      .waitFor();
    return card;
  }
}
