export declare const messages: Record<'en' | 'zh', Record<string, string>>;
