namespace AnarchoRedis.Generators.Model;

/// <summary>How a placeholder's value is turned into key text; each kind also fixes the set of strings it can produce.</summary>
internal enum PlaceholderKind
{
    /// <summary>Not a placeholder: a literal segment.</summary>
    None = 0,

    /// <summary>A string, checked non-empty by <c>KeyFormat.Part</c>: any non-empty text.</summary>
    String,

    /// <summary>sbyte, short, int, long: <c>-?[0-9]+</c>.</summary>
    SignedInteger,

    /// <summary>byte, ushort, uint, ulong: <c>[0-9]+</c>.</summary>
    UnsignedInteger,

    /// <summary>Guid in "D" format: lower-case hex 8-4-4-4-12.</summary>
    Guid,

    /// <summary>An enum by name; undefined values print as numbers and [Flags] combinations as "A, B".</summary>
    Enum,
}

/// <summary>One segment of a key template: literal text, or a placeholder bound to a property (or, for lists, a free name).</summary>
/// <param name="Kind">The placeholder kind, or <see cref="PlaceholderKind.None"/> for a literal.</param>
/// <param name="Text">The literal text, or the placeholder name as written.</param>
/// <param name="TypeName">The parameter type, fully qualified (placeholders only).</param>
/// <param name="ParameterName">The generated parameter name, already a valid identifier (placeholders only).</param>
/// <param name="PropertyAccess">The property as written in member access, or empty when the list placeholder has no property.</param>
internal sealed record KeyPart(PlaceholderKind Kind, string Text, string TypeName, string ParameterName, string PropertyAccess)
{
    public bool IsPlaceholder => Kind != PlaceholderKind.None;

    public static KeyPart Literal(string text) => new(PlaceholderKind.None, text, string.Empty, string.Empty, string.Empty);
}
