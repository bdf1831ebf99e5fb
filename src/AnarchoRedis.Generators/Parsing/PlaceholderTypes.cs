using AnarchoRedis.Generators.Model;
using Microsoft.CodeAnalysis;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>Which property types can be key parts, and whether generated code can name them.</summary>
internal static class PlaceholderTypes
{
    /// <summary>The placeholder kind for <paramref name="type"/>, or <see cref="PlaceholderKind.None"/> when unsupported.</summary>
    public static PlaceholderKind Classify(ITypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Enum)
        {
            return IsReachable(type) ? PlaceholderKind.Enum : PlaceholderKind.None;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_String:
                return PlaceholderKind.String;
            case SpecialType.System_SByte:
            case SpecialType.System_Int16:
            case SpecialType.System_Int32:
            case SpecialType.System_Int64:
                return PlaceholderKind.SignedInteger;
            case SpecialType.System_Byte:
            case SpecialType.System_UInt16:
            case SpecialType.System_UInt32:
            case SpecialType.System_UInt64:
                return PlaceholderKind.UnsignedInteger;
        }

        // Nullable<T> lands here too (its SpecialType is None): a null key part has no key.
        return type is INamedTypeSymbol { Name: "Guid", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } }
            ? PlaceholderKind.Guid
            : PlaceholderKind.None;
    }

    /// <summary>Whether a type and all its containers are public, so a public repository may expose it.</summary>
    public static bool IsPublic(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }
        }

        return true;
    }

    // An enum nested private or protected in some class cannot be named from a namespace-level repository.
    private static bool IsReachable(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }

            if (t is INamedTypeSymbol { IsFileLocal: true })
            {
                return false;
            }
        }

        return true;
    }
}
