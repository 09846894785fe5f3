import Foundation

/// The GeoReport v2 bodies, field for field as the specification names and orders them.
enum Open311Bodies {
    struct Discovery: Encodable {
        let changeset: String
        let contact: String
        let key_service: String
        let endpoints: Open311List<Endpoint>
    }

    struct Endpoint: Encodable {
        let specification: String
        let url: String
        let changeset: String
        let type: String
        let formats: Open311List<String>
    }

    struct Service: Encodable {
        let service_code: String
        let service_name: String
        let description: String
        let metadata: Bool
        let type: String
        let keywords: String
        let group: String
    }

    struct ServiceDefinition: Encodable {
        let service_code: String
        let attributes: Open311List<Attribute>
    }

    struct Attribute: Encodable {
        let variable: Bool
        let code: String
        let datatype: String
        let required: Bool
        let datatype_description: String
        let order: Int
        let description: String
        let values: Open311List<String>
    }

    struct Request: Encodable {
        let service_request_id: String
        let status: String
        let status_notes: String
        let service_name: String
        let service_code: String
        let description: String
        let agency_responsible: String
        let service_notice: String
        let requested_datetime: String?
        let updated_datetime: String?
        let expected_datetime: String?
        let address: String?
        let lat: Double?
        let long: Double?
        let extended_attributes: Extended?

        enum CodingKeys: String, CodingKey {
            case service_request_id, status, status_notes, service_name, service_code, description, agency_responsible, service_notice
            case requested_datetime, updated_datetime, expected_datetime, address, address_id, zipcode, lat, long, media_url, extended_attributes
        }

        /// Every listed field, null when empty (address_id, zipcode and media_url always are).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(service_request_id, forKey: .service_request_id)
            try c.encode(status, forKey: .status)
            try c.encode(status_notes, forKey: .status_notes)
            try c.encode(service_name, forKey: .service_name)
            try c.encode(service_code, forKey: .service_code)
            try c.encode(description, forKey: .description)
            try c.encode(agency_responsible, forKey: .agency_responsible)
            try c.encode(service_notice, forKey: .service_notice)
            try c.field(requested_datetime, .requested_datetime)
            try c.field(updated_datetime, .updated_datetime)
            try c.field(expected_datetime, .expected_datetime)
            try c.field(address, .address)
            try c.field(String?.none, .address_id)
            try c.field(String?.none, .zipcode)
            try c.field(lat, .lat)
            try c.field(long, .long)
            try c.field(String?.none, .media_url)
            try c.encodeIfPresent(extended_attributes, forKey: .extended_attributes)
        }
    }

    /// `extensions=true`: the channel and the public activity notes.
    struct Extended: Encodable {
        let channel: String
        let notes: Open311List<Note>
    }

    struct Note: Encodable {
        let datetime: String?
        let type: String
        let summary: String
    }

    struct Token: Encodable {
        let service_request_id: String
        let token: String
    }

    struct Created: Encodable {
        let service_request_id: String
        let token: String
        let service_notice: String

        enum CodingKeys: String, CodingKey { case service_request_id, token, service_notice, account_id }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(service_request_id, forKey: .service_request_id)
            try c.encode(token, forKey: .token)
            try c.encode(service_notice, forKey: .service_notice)
            try c.field(String?.none, .account_id)  // no accounts: always null
        }
    }

    struct Update: Encodable {
        let update_id: String
        let service_request_id: String
        let status: String
        let updated_datetime: String?
        let description: String
    }

    struct ErrorItem: Encodable {
        let code: Int
        let description: String
    }
}
