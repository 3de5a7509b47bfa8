/**
 * Page object for the local sandbox chat (`/sandbox`), for browser tests and the drill. Every wait is
 * Playwright's event-based auto-wait (no sleeps). Names and texts are the Chinese ones the page shows.
 */
import type { Locator, Page } from 'playwright-core';

/** Drives the sandbox page. */
export class SandboxPage {
  /** @param baseUrl server origin, e.g. `http://127.0.0.1:43123` */
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  /** Opens `/sandbox` and waits until chats and people are loaded. */
  async open(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/sandbox`);
    await this.page.locator('body[data-ready="true"]').waitFor();
  }

  /** Opens the group chat shown as `name` (e.g. `局舆情工作领导小组群`) and waits for its live stream. */
  async openChat(name: string): Promise<void> {
    await this.openConversation(
      this.page.locator('#chat-list .conv-item').filter({ has: this.exactName('.conv-name', name) }),
    );
  }

  /** Opens the 1:1 "私信" conversation with the person `personName` (speaker is that person). */
  async openDirect(personName: string): Promise<void> {
    await this.openConversation(
      this.page.locator('#direct-list .conv-item').filter({ has: this.exactName('.conv-name', personName) }),
    );
  }

  /** Selects who messages and card clicks are sent as (the person chip named `personName`). */
  async speakAs(personName: string): Promise<void> {
    const chip = this.page.locator('#people .person').filter({ has: this.exactName('.person-name', personName) });
    await chip.click();
    await this.page
      .locator('#people .person[aria-pressed="true"]')
      .filter({ has: this.exactName('.person-name', personName) })
      .waitFor();
  }

  /** Role badges (e.g. `第一责任人`) shown on the person chip named `personName`. */
  async rolesOf(personName: string): Promise<string[]> {
    return this.page
      .locator('#people .person')
      .filter({ has: this.exactName('.person-name', personName) })
      .locator('.badge')
      .allTextContents();
  }

  /** Types `text` into the input, presses Enter, and waits until it shows as the speaker's own bubble. */
  async send(text: string): Promise<void> {
    const own = this.page.locator('.msg.from-self .bubble').filter({ hasText: text.trim() });
    const before = await own.count();
    await this.page.locator('#input').fill(text);
    await this.page.locator('#input').press('Enter');
    await own.nth(before).waitFor();
  }

  /** Clicks the quick-insert hint `hint` (e.g. `/帮助`); returns the input's value afterwards. */
  async useHint(hint: string): Promise<string> {
    await this.page.locator('#hints .hint', { hasText: hint }).click();
    return this.page.locator('#input').inputValue();
  }

  /** Waits for a bot message whose text contains `containing`; returns its (last matching) bubble. */
  async waitForBotMessage(containing: string | RegExp): Promise<Locator> {
    const bubble = this.page.locator('.msg.from-bot .bubble').filter({ hasText: containing }).last();
    await bubble.waitFor();
    return bubble;
  }

  /** Waits for a card whose title contains `title`; returns the (last matching) card box. */
  async waitForCard(title: string | RegExp): Promise<Locator> {
    const card = this.cards()
      .filter({ has: this.page.locator('.card-title', { hasText: title }) })
      .last();
    await card.waitFor();
    return card;
  }

  /** Clicks the button labelled `text` on the last card (or the last card titled `cardTitle`). */
  async clickCardButton(text: string, cardTitle?: string | RegExp): Promise<void> {
    const card = cardTitle === undefined ? this.cards().last() : await this.waitForCard(cardTitle);
    await card
      .locator('.card-button')
      .filter({ hasText: new RegExp(`^${escapeRegExp(text)}$`) })
      .click();
  }

  /** All cards on screen, oldest first. */
  cards(): Locator {
    return this.page.locator('.msg .card');
  }

  /** Label → value pairs of a card's fields. */
  async cardFields(card: Locator): Promise<Record<string, string>> {
    const labels = await card.locator('.card-fields dt').allTextContents();
    const values = await card.locator('.card-fields dd').allTextContents();
    return Object.fromEntries(labels.map((l, i) => [l, values[i]]));
  }

  /** The highlighted mentions (`@姓名`) inside `bubble`. */
  async mentionsIn(bubble: Locator): Promise<string[]> {
    return bubble.locator('.mention').allTextContents();
  }

  /** The time label (business time, "MM-DD HH:mm") of the message holding `bubble`. */
  async timeOf(bubble: Locator): Promise<string> {
    return bubble.locator('xpath=ancestor::li[contains(@class,"msg")]').locator('time').innerText();
  }

  /** The status line under the input (errors, click confirmations). */
  async status(): Promise<string> {
    return this.page.locator('#status').innerText();
  }

  /** Texts of all message bubbles, oldest first. */
  async messageTexts(): Promise<string[]> {
    return this.page.locator('.msg .bubble').allInnerTexts();
  }

  private async openConversation(item: Locator): Promise<void> {
    await item.click();
    await this.page.locator('.conv-item[aria-current="true"]').waitFor();
    await this.page.locator('#live[data-state="open"]').waitFor();
  }

  private exactName(selector: string, name: string): Locator {
    return this.page.locator(selector, { hasText: new RegExp(`^${escapeRegExp(name)}$`) });
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
