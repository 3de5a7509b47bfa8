import { Agenda } from 'agenda';
test('agenda loads as ESM', () => { expect(typeof Agenda).toBe('function'); });
