using System.Collections.Generic;
using System.Linq;
using System.Text;
using AnarchoRedis.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>Turns names from user code into identifiers for generated code.</summary>
internal static class Naming
{
    // Parameters the generated methods already have, per repository kind; a key part must not shadow them.
    private static readonly HashSet<string> ReservedValueParameters = new() { "options", "cancellationToken", "value" };
    private static readonly HashSet<string> ReservedListParameters = new() { "options", "cancellationToken", "item", "items", "start", "stop", "count" };

    // Members of the catalog class and of object: a descriptor property named like one would not compile or would hide it.
    private static readonly HashSet<string> ReservedCatalogMembers = new()
    {
        "Types", "Instance", "ReplicatedTypes", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals",
    };

    /// <summary>Escapes C# keywords with <c>@</c> so any identifier from metadata can be written back.</summary>
    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    /// <summary>camelCase as System.Text.Json does it: a leading run of capitals is lowered as a unit ("ID" to "id", "URLPath" to "urlPath").</summary>
    public static string CamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length && char.IsUpper(chars[i]); i++)
        {
            var nextIsLower = i + 1 < chars.Length && !char.IsUpper(chars[i + 1]);
            if (i > 0 && nextIsLower)
            {
                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    /// <summary>The generated repository class of a type: <c>{T}Repository</c>, or <c>{T}ListRepository</c> for a list.</summary>
    public static string RepositoryClassName(string typeName, ReplicatedTypeKind kind) =>
        typeName + (kind == ReplicatedTypeKind.List ? "ListRepository" : "Repository");

    /// <summary>The generated repository interface of a type: <c>I{T}Repository</c>, or <c>I{T}ListRepository</c> for a list.</summary>
    public static string RepositoryInterfaceName(string typeName, ReplicatedTypeKind kind) => "I" + RepositoryClassName(typeName, kind);

    /// <summary>
    /// Unique camelCase parameter names for a template's placeholders, in order. A name that would shadow one of the
    /// repository's own parameters (which differ between value and list repositories) gets a <c>Part</c> suffix.
    /// </summary>
    public static IReadOnlyList<string> ParameterNames(IEnumerable<string> placeholderNames, ReplicatedTypeKind kind)
    {
        var reserved = kind == ReplicatedTypeKind.List ? ReservedListParameters : ReservedValueParameters;
        var used = new HashSet<string>(reserved);
        var result = new List<string>();
        foreach (var placeholder in placeholderNames)
        {
            var baseName = CamelCase(placeholder);
            var candidate = reserved.Contains(baseName) ? baseName + "Part" : baseName;
            for (var n = 2; !used.Add(candidate); n++)
            {
                candidate = baseName + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            result.Add(Escape(candidate));
        }

        return result;
    }

    /// <summary>The assembly name as a dotted namespace: each segment made an identifier.</summary>
    public static string AssemblyNamespace(string assemblyName) =>
        string.Join(".", assemblyName.Split('.').Select(segment => Escape(Identifier(segment))));

    /// <summary>The assembly name as one PascalCase identifier: "Samples.Models" becomes "SamplesModels".</summary>
    public static string AssemblyIdentifier(string assemblyName)
    {
        var builder = new StringBuilder();
        var upperNext = true;
        foreach (var c in assemblyName)
        {
            if (!IsIdentifierPart(c) || c == '_')
            {
                upperNext = true;
                continue;
            }

            builder.Append(upperNext ? char.ToUpperInvariant(c) : c);
            upperNext = false;
        }

        var id = builder.ToString();
        return id.Length == 0 || !IsIdentifierStart(id[0]) ? "_" + id : id;
    }

    /// <summary>
    /// Catalog property names: the simple name where it is unique in the assembly, else the full name with '_'
    /// for '.'; a list descriptor of a type that is also a value type gets "List" appended. Ordered by full name.
    /// </summary>
    public static EquatableArray<DescriptorName> DescriptorNames(IEnumerable<TypeIdentity> identities)
    {
        var ordered = identities.OrderBy(i => i.FullName, System.StringComparer.Ordinal).ThenBy(i => i.Kind).ToList();
        var simpleCounts = ordered.GroupBy(i => i.TypeName).ToDictionary(g => g.Key, g => g.Select(i => i.FullName).Distinct().Count());
        var used = new HashSet<string>();
        var result = new List<DescriptorName>();
        foreach (var identity in ordered)
        {
            var baseName = simpleCounts[identity.TypeName] == 1 ? identity.TypeName : Identifier(identity.FullName.Replace('.', '_'));
            if (identity.Kind == ReplicatedTypeKind.List && ordered.Any(o => o.FullName == identity.FullName && o.Kind == ReplicatedTypeKind.Value))
            {
                baseName += "List";
            }

            if (ReservedCatalogMembers.Contains(baseName))
            {
                baseName += "Descriptor";
            }

            var candidate = baseName;
            for (var n = 2; !used.Add(candidate); n++)
            {
                candidate = baseName + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            result.Add(new DescriptorName(identity.FullyQualifiedName, identity.Kind, Escape(candidate)));
        }

        return result.ToEquatableArray();
    }

    /// <summary>
    /// Repositories whose generated names collide with another's in one namespace: <c>IUser</c>'s class
    /// <c>IUserRepository</c> and <c>User</c>'s interface <c>IUserRepository</c>, or the value type <c>ChatList</c>'s
    /// <c>ChatListRepository</c> and the list type <c>Chat</c>'s <c>ChatListRepository</c>. Ordered by full name, then kind.
    /// </summary>
    public static IReadOnlyList<(TypeIdentity Type, TypeIdentity Other, string Name)> RepositoryCollisions(IEnumerable<TypeIdentity> identities)
    {
        var generated = identities
            .OrderBy(i => i.FullName, System.StringComparer.Ordinal)
            .ThenBy(i => i.Kind)
            .SelectMany(i => new[]
            {
                (Type: i, Name: NamespaceOf(i) + RepositoryInterfaceName(i.TypeName, i.Kind)),
                (Type: i, Name: NamespaceOf(i) + RepositoryClassName(i.TypeName, i.Kind)),
            })
            .ToList();
        var result = new List<(TypeIdentity, TypeIdentity, string)>();
        foreach (var group in generated.GroupBy(g => g.Name).Where(g => g.Count() > 1))
        {
            foreach (var entry in group)
            {
                result.Add((entry.Type, group.First(other => other.Type != entry.Type).Type, group.Key));
            }
        }

        return result;
    }

    private static string NamespaceOf(TypeIdentity identity) =>
        identity.FullName.Substring(0, identity.FullName.Length - identity.TypeName.Length);

    private static string Identifier(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            builder.Append(IsIdentifierPart(c) ? c : '_');
        }

        if (builder.Length == 0 || !IsIdentifierStart(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static bool IsIdentifierStart(char c) => SyntaxFacts.IsIdentifierStartCharacter(c);

    private static bool IsIdentifierPart(char c) => SyntaxFacts.IsIdentifierPartCharacter(c);
}
