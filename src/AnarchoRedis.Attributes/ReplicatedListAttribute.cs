using System;

namespace AnarchoRedis;

/// <summary>
/// Marks a class whose instances are elements of replicated Redis lists, one list per key.
/// The AnarchoRedis source generator emits <c>I{Type}ListRepository</c> / <c>{Type}ListRepository</c>.
/// </summary>
/// <example>
/// <code>
/// [ReplicatedList("chat:{RoomId}")]
/// public sealed class ChatMessage { public string RoomId { get; set; } = ""; public string Text { get; set; } = ""; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ReplicatedListAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="keyTemplate">
    /// The Redis key template; each <c>{Name}</c> placeholder is a key part, typed after the element type's
    /// same-named property where there is one, else <see cref="string"/>.
    /// </param>
    public ReplicatedListAttribute(string keyTemplate) => KeyTemplate = keyTemplate;

    /// <summary>The Redis key template, for example <c>"chat:{RoomId}"</c>.</summary>
    public string KeyTemplate { get; }

    /// <summary>
    /// The name stored in each key's meta data and used by anti-entropy to find the type.
    /// Defaults to the type's full name. Keep it stable: renaming it orphans existing keys.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The type's default read consistency; <see cref="Consistency.Default"/> uses the client's.</summary>
    public Consistency ReadConsistency { get; set; }

    /// <summary>The type's default write consistency; <see cref="Consistency.Default"/> uses the client's.</summary>
    public Consistency WriteConsistency { get; set; }

    /// <summary>Time to live of the whole list in seconds, renewed by each write; 0 (the default) means no expiry.</summary>
    public int TimeToLiveSeconds { get; set; }

    /// <summary>
    /// A capped list: every push keeps only the newest (highest-id) <see cref="MaxLength"/> elements, by raising the
    /// list's floor, with no tombstone per dropped element. 0 (the default) means no cap. A push from a client whose
    /// clock lags by more than the list's turnover is not among the newest and is dropped at once.
    /// </summary>
    public int MaxLength { get; set; }
}
