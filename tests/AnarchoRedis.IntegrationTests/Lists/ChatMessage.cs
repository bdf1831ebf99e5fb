namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>A list element model, with a hand-written descriptor (no generator needed).</summary>
public sealed record ChatMessage
{
    public static readonly ReplicatedListDescriptor<ChatMessage> Descriptor = new("tests.chat", "chat:{RoomId}");

    public string RoomId { get; init; } = string.Empty;

    public string Text { get; init; } = string.Empty;

    public static ChatMessage Of(string text) => new() { RoomId = "r", Text = text };
}
